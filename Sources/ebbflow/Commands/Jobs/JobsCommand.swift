// `ebbflow jobs`: enqueue, list, show, retry, cancel and count jobs.
import ArgumentParser

struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "Enqueue and inspect jobs.",
        subcommands: [
            JobsEnqueueCommand.self, JobsListCommand.self, JobsShowCommand.self, JobsRetryCommand.self,
            JobsCancelCommand.self, JobsStatsCommand.self,
        ])
}
