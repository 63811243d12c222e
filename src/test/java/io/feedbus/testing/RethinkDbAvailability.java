package io.feedbus.testing;

/**
 * Prints, on the build's console before the tests run, which RethinkDB server the tests will use or
 * why they skip the RethinkDB tests (surefire keeps the tests' own output in files).
 */
public final class RethinkDbAvailability {

  private RethinkDbAvailability() {
  }

  public static void main(String[] args) {
    System.out.println("RethinkDB tests: " + RethinkDbTesting.plan());
  }
}
