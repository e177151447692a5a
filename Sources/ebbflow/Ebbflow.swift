// The ebbflow command: a thin shell over the library targets, one subcommand per file.
import ArgumentParser

@main
struct Ebbflow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ebbflow",
        abstract: "Elastic CRM audiences on a PostgreSQL job queue.",
        version: "0.1.0",
        subcommands: [
            MigrateCommand.self, WorkerCommand.self, JobsCommand.self, SchedulesCommand.self, ContactsCommand.self,
            EventsCommand.self, FlowsCommand.self, ReactivationCommand.self, AudienceCommand.self, SweepsCommand.self,
            PolicyCommand.self, SendsCommand.self, StreamsCommand.self, TemplatesCommand.self, ExperimentsCommand.self,
            ClockCommand.self, SimulateCommand.self, ServeCommand.self, KeysCommand.self, LinksCommand.self,
            QueuesCommand.self, RolesCommand.self,
        ]
    )

    /// Refuses a command line that is not valid UTF-8 before parsing it (see `RawArguments`).
    static func main() async {
        if let bad = RawArguments.firstInvalidUTF8() {
            exit(withError: InputError("\(bad) is not valid UTF-8 text"))
        }
        await main(nil)
    }
}
