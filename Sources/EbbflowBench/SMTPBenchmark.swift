// Messages per second through EbbflowMail's SMTP client into Postfix's smtp-sink on loopback, over one connection.
import ArgumentParser
import EbbflowMail
import Foundation
import Logging
import NIOPosix

/// The client's own ceiling, before any database or rendering: MIME writing, pipelined
/// MAIL/RCPT/DATA and the data on one connection to a server that accepts and discards. Why
/// smtp-sink: it answers at once, so the figure is the client's (and loopback's), not a relay's.
struct SMTPBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smtp", abstract: "Messages/s into smtp-sink over one SMTP connection (EbbflowMail's client).")

    @Option(help: "smtp-sink to start (default: $EBBFLOW_SMTP_SINK, else smtp-sink on PATH).") var smtpSink: String?
    @Option(help: "Use this relay instead of starting smtp-sink (e.g. smtp://127.0.0.1:2525?tls=none).") var url:
        String?
    @Option(help: "Messages per measurement.") var messages = 20_000
    @Option(help: "Messages per send call.") var batch = 100
    @Option(help: "Repetitions (the median is reported).") var reps = 3

    func run() async throws {
        guard (1...1_000_000).contains(messages), (1...10_000).contains(batch), (1...20).contains(reps) else {
            throw ValidationError("--messages 1...1000000, --batch 1...10000, --reps 1...20")
        }
        var sink: Process?
        let target: String
        if let url {
            target = url
        } else {
            let port = try freePort()
            sink = try startSink(port: port)
            target = "smtp://127.0.0.1:\(port)?tls=none"
        }
        defer {
            // SIGKILL: smtp-sink keeps nothing, and it outlived SIGTERM here (the run hung at the end).
            if let sink, sink.isRunning { kill(sink.processIdentifier, SIGKILL) }
            sink?.waitUntilExit()
        }
        let configuration = try SMTPConfiguration(url: target, ehloName: "bench.ebbflow.test")
        var logger = Logger(label: "ebbflow-bench")
        logger.logLevel = .warning
        let html =
            "<p>Hello {{name}}, here is what you missed this week.</p>\n"
            + String(repeating: "<p>news</p>\n", count: 40)
        let text = "Hello, here is what you missed this week.\n" + String(repeating: "news\n", count: 40)
        var rates: [Double] = []
        for rep in 1...reps {
            let client = SMTPClient(
                configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
            try await client.verify()
            let mails = (0..<messages).map { index in
                MailMessage(
                    from: "Ebbflow <news@ebbflow.example.com>", to: "contact\(index)@example.org",
                    subject: "Your weekly digest", html: html, text: text,
                    messageID: "send-\(rep)-\(index)@ebbflow.example.com", date: Date(),
                    headers: [MailHeader("X-Ebbflow-Send-ID", "\(index)")])
            }
            let clock = ContinuousClock()
            let writer = MIMEWriter()
            var bytes = 0
            let writing = try clock.measure {
                for mail in mails { bytes += try writer.write(mail).count }
            }
            FileHandle.standardError.write(
                Data(
                    "rep \(rep)/\(reps): MIME writer alone \(Int(Double(messages) / seconds(writing))) messages/s\n"
                        .utf8))
            var accepted = 0
            let elapsed = try await clock.measure {
                for start in stride(from: 0, to: mails.count, by: batch) {
                    let results = try await client.send(Array(mails[start..<min(start + batch, mails.count)]))
                    accepted += results.filter(\.isAccepted).count
                }
            }
            await client.close()
            guard accepted == messages else {
                throw ValidationError("only \(accepted) of \(messages) messages were accepted")
            }
            rates.append(Double(messages) / seconds(elapsed))
            FileHandle.standardError.write(Data("rep \(rep)/\(reps): \(Int(rates.last!)) messages/s\n".utf8))
        }
        let median = rates.sorted()[rates.count / 2]
        print(
            "| SMTP client into \(url == nil ? "smtp-sink" : "the given relay"), one connection, batches of \(batch) "
                + "| messages/s (median of \(reps)) |")
        print("|---|---:|")
        print(
            "| \(messages) messages (multipart, ~\(html.utf8.count + text.utf8.count) bytes of body) | \(Int(median)) |"
        )
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private func freePort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).wait()
        defer { try? channel.close().wait() }
        guard let port = channel.localAddress?.port else { throw ValidationError("no free port") }
        return port
    }

    private func startSink(port: Int) throws -> Process {
        let environment = ProcessInfo.processInfo.environment
        let path =
            smtpSink ?? environment["EBBFLOW_SMTP_SINK"]
            ?? (environment["PATH"] ?? "").split(separator: ":").map { "\($0)/smtp-sink" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let path else {
            throw ValidationError(
                "no smtp-sink: give --smtp-sink or EBBFLOW_SMTP_SINK (scripts/lib.sh's ebbflow_find_smtp_sink extracts one)"
            )
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        // As root smtp-sink must drop to another user; the backlog is the listen queue.
        process.arguments = (getuid() == 0 ? ["-u", "nobody"] : []) + ["127.0.0.1:\(port)", "256"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until it accepts connections (bounded).
        for _ in 0..<100 {
            let socket = try? ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).wait()
            if let socket {
                try? socket.close().wait()
                return process
            }
            usleep(50_000)
        }
        process.terminate()
        throw ValidationError("smtp-sink did not listen on 127.0.0.1:\(port)")
    }
}
