package io.feedbus.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AdmissionLedgerTest {

  @Test
  void slotsUpToTheLimitAreNoOverAdmission() {
    AdmissionLedger ledger = new AdmissionLedger(3);

    assertThat(ledger.admitted("alice", 1)).isTrue();
    assertThat(ledger.admitted("alice", 2)).isTrue();
    assertThat(ledger.admitted("alice", 3)).isTrue();

    assertThat(ledger.overAdmissions()).isZero();
    assertThat(ledger.mostHeld()).isEqualTo(3);
  }

  @Test
  void aSlotBeyondTheLimitHeldAtOnceIsAnOverAdmission() {
    AdmissionLedger ledger = new AdmissionLedger(2);
    ledger.admitted("alice", 1);
    ledger.admitted("alice", 2);

    assertThat(ledger.admitted("alice", 2)).isFalse();

    assertThat(ledger.overAdmissions()).isEqualTo(1);
    assertThat(ledger.mostHeld()).isEqualTo(3);
  }

  @Test
  void aSlotReleasedBeforeTheNextIsAdmittedFreesItsPlace() {
    AdmissionLedger ledger = new AdmissionLedger(1);
    ledger.admitted("alice", 1);
    ledger.releasing("alice");

    assertThat(ledger.admitted("alice", 1)).isTrue();

    assertThat(ledger.overAdmissions()).isZero();
  }

  @Test
  void eachUidHasItsOwnLimit() {
    AdmissionLedger ledger = new AdmissionLedger(1);

    ledger.admitted("alice", 1);
    ledger.admitted("bob", 1);

    assertThat(ledger.overAdmissions()).isZero();
  }

  @Test
  void aReplyReportingMoreStreamsThanTheLimitIsAnOverAdmission() {
    AdmissionLedger ledger = new AdmissionLedger(3);

    assertThat(ledger.admitted("alice", 4)).isFalse();

    assertThat(ledger.overAdmissions()).isEqualTo(1);
  }
}
