package io.feedbus.bridge;

import static io.feedbus.testing.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.feedbus.Feedbus;
import io.feedbus.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The web page's files over plain HTTP: what a browser asks for besides the page itself. */
@ExtendWith(VertxExtension.class)
class BrowserRoutesTest {

  @TempDir
  Path dir;
  Feedbus node;
  WebClient http;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    node = TestNodes.start(vertx, dir);
    // Redirects are what is under test: the client must not follow them.
    http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.httpPort())
        .setFollowRedirects(false));
  }

  @AfterEach
  void stop() throws Exception {
    http.close();
    await(node.close());
  }

  @Test
  void thePageIsServedAtTheRootForGetAndHead() throws Exception {
    HttpResponse<Buffer> page = await(http.get("/").send());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("content-type")).startsWith("text/html");
    assertThat(page.bodyAsString()).contains("favicon.svg");
    HttpResponse<Buffer> head = await(http.head("/feedbus.js").send());
    assertThat(head.statusCode()).isEqualTo(200);
  }

  @Test
  void theFaviconIcoBrowsersAskForRedirectsToTheSvgIconThePageServes() throws Exception {
    HttpResponse<Buffer> ico = await(http.get("/favicon.ico").send());
    assertThat(ico.statusCode()).as(ico.bodyAsString()).isEqualTo(301);
    assertThat(ico.getHeader("location")).isEqualTo("/favicon.svg");
    HttpResponse<Buffer> svg = await(http.get(ico.getHeader("location")).send());
    assertThat(svg.statusCode()).isEqualTo(200);
    assertThat(svg.getHeader("content-type")).startsWith("image/svg+xml");
    assertThat(svg.bodyAsString()).contains("<svg");
  }

  @Test
  void aHeadOfTheFaviconIcoRedirectsToo() throws Exception {
    HttpResponse<Buffer> head = await(http.head("/favicon.ico").send());
    assertThat(head.statusCode()).isEqualTo(301);
    assertThat(head.getHeader("location")).isEqualTo("/favicon.svg");
  }

  @Test
  void aPageFileThatDoesNotExistGetsTheJson404() throws Exception {
    HttpResponse<Buffer> missing = await(http.get("/missing.js").send());
    assertThat(missing.statusCode()).as(missing.bodyAsString()).isEqualTo(404);
    assertThat(missing.getHeader("content-type")).isEqualTo("application/json");
    assertThat(missing.bodyAsJsonObject().getString("error")).isEqualTo("not_found");
  }
}
