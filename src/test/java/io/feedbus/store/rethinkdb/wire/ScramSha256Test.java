package io.feedbus.store.rethinkdb.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** SCRAM-SHA-256 against the test vector of RFC 7677, section 3. */
class ScramSha256Test {

  private static final String SERVER_FIRST =
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";

  @Test
  void theClientProofAndServerSignatureMatchTheRfcVector() {
    ScramSha256 scram = new ScramSha256("user", "pencil", "rOprNGfwEbeRWgbNEkqO");
    assertThat(scram.clientFirst()).isEqualTo("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    assertThat(scram.clientFinal(SERVER_FIRST)).isEqualTo(
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    scram.verifyServerFinal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  }

  @Test
  void aWrongServerSignatureIsRefused() {
    ScramSha256 scram = new ScramSha256("user", "pencil", "rOprNGfwEbeRWgbNEkqO");
    scram.clientFinal(SERVER_FIRST);
    assertThatThrownBy(() -> scram.verifyServerFinal("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="))
        .isInstanceOf(ReqlError.class).hasMessageContaining("signature");
  }

  @Test
  void aServerNonceThatDoesNotExtendOursIsRefused() {
    ScramSha256 scram = new ScramSha256("user", "pencil", "abc");
    assertThatThrownBy(() -> scram.clientFinal("r=xyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"))
        .isInstanceOf(ReqlError.class).hasMessageContaining("nonce");
  }

  @Test
  void userNamesAreEscaped() {
    assertThat(new ScramSha256("a=b,c", "", "n").clientFirst()).isEqualTo("n,,n=a=3Db=2Cc,r=n");
  }
}
