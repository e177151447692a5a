// `ebbflow clock`: the group of commands that show and (in a simulation database) move the clock.
import ArgumentParser

struct ClockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clock",
        abstract: "Show the database clock, or move it in a simulation database.",
        subcommands: [ClockShowCommand.self, ClockSetCommand.self, ClockAdvanceCommand.self, ClockResetCommand.self],
        defaultSubcommand: ClockShowCommand.self)
}
