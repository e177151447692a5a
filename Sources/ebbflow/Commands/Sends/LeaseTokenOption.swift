// `--lease-token`, shared by `sends ack` and `sends fail` (`@OptionGroup`): one declaration, one check.
import ArgumentParser
import EbbflowOperations

/// A finish that names the lease it was given applies only while that lease still holds the send,
/// so a consumer whose lease lapsed (and was taken by another) cannot finish someone else's attempt.
struct LeaseTokenOption: ParsableArguments {
    @Option(
        name: .customLong("lease-token"),
        help: "The lease_token sends lease gave: finish only while that lease holds the send (else exit 4).")
    var leaseToken: String?

    func validate() throws {
        _ = try SendOperations.leaseToken(leaseToken)
    }
}
