// Delivers each rendered message as a signed JSON POST to the team's own sender (async-http-client, one client per process).
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// How answers map: 2xx accepted (the receiver's `message_id` from a JSON body, else ours);
/// 408, 429, 5xx, a timeout or a connection failure retried with backoff; any other status
/// (4xx, a redirect, which is not followed) refuses the send for good, since the same request
/// would be refused again. Requests of a chunk go out at most `parallelism` at a time.
public final class WebhookTransport: DeliveryTransport {
    public let name = "webhook"
    let url: URL
    let signature: WebhookSignature
    let client: HTTPClient
    let timeout: TimeAmount
    let parallelism: Int
    let logger: Logger

    /// The longest response body read (bytes), and the longest `message_id` taken from it.
    static let maxResponseBytes = 64 * 1_024
    static let maxMessageIDBytes = 998

    public init(
        url: URL, secret: String, client: HTTPClient = .shared, timeout: TimeAmount = .seconds(10),
        parallelism: Int = 16, logger: Logger
    ) {
        self.url = url
        signature = WebhookSignature(secret: secret)
        self.client = client
        self.timeout = timeout
        self.parallelism = max(1, parallelism)
        self.logger = logger
    }

    public func submit(_ items: [DeliveryItem]) async -> [DeliveryOutcome] {
        var outcomes = [DeliveryOutcome](repeating: .transient("not submitted"), count: items.count)
        await withTaskGroup(of: (Int, DeliveryOutcome).self) { group in
            var next = 0
            func start() {
                let index = next
                next += 1
                group.addTask { (index, await self.post(items[index])) }
            }
            while next < min(parallelism, items.count) { start() }
            for await (index, outcome) in group {
                outcomes[index] = outcome
                if next < items.count { start() }
            }
        }
        return outcomes
    }

    /// The shared client lives as long as the process.
    public func close() async {}

    func post(_ item: DeliveryItem) async -> DeliveryOutcome {
        let body: [UInt8]
        do { body = try WebhookPayload(send: item.send, message: item.message).encoded() } catch {
            return .permanent("the message could not be encoded as JSON: \(error)", hardBounce: false)
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "ebbflow-delivery")
        request.headers.add(name: "Idempotency-Key", value: item.message.messageID)
        request.headers.add(name: MessageAssembly.sendIDHeader, value: "\(item.send.id)")
        request.headers.add(
            name: WebhookSignature.header,
            value: signature.value(body: body, timestamp: Int64(Date().timeIntervalSince1970)))
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let (status, text) = try await exchange(request)
            switch status {
            case 200..<300:
                return .accepted(messageID: Self.messageID(in: text) ?? item.message.messageID)
            case 408, 429, 500..<600:
                return .transient("webhook answered \(status)\(Self.excerpt(text))")
            default:
                return .permanent("webhook answered \(status)\(Self.excerpt(text))", hardBounce: false)
            }
        } catch {
            // The error names the host at most: the URL's path or query may hold a token.
            return .transient("webhook request failed: \(Self.describe(error))")
        }
    }

    /// The request and the reading of its answer, bounded together by `timeout`. Why not the
    /// client's timeout alone: its deadline ends with the response head, so a receiver that
    /// sent its headers and then stalled the body held the chunk until the job's own timeout.
    private func exchange(_ request: HTTPClientRequest) async throws -> (status: UInt, text: String) {
        let (client, timeout) = (self.client, self.timeout)
        return try await withThrowingTaskGroup(of: (status: UInt, text: String)?.self) { group in
            group.addTask {
                let response = try await client.execute(request, timeout: timeout)
                // A body past the bound is not kept (the status still decides).
                let answer = try? await response.body.collect(upTo: Self.maxResponseBytes)
                return (response.status.code, answer.map { String(buffer: $0) } ?? "")
            }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(max(0, timeout.nanoseconds)))
                return nil
            }
            // The first to end decides; the other is cancelled (a cancelled body read ends its request).
            defer { group.cancelAll() }
            guard let first = try await group.next(), let answered = first else {
                throw HTTPClientError.deadlineExceeded
            }
            return answered
        }
    }

    /// A `message_id` string from a JSON object body, if it is a plausible one.
    static func messageID(in body: String) -> String? {
        guard let data = body.data(using: .utf8),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let id = object["message_id"] as? String, !id.isEmpty, id.utf8.count <= maxMessageIDBytes,
            !id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return nil }
        return id
    }

    static func excerpt(_ body: String) -> String {
        let line = body.prefix(200).replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
        return line.isEmpty ? "" : ": \(line)"
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout { return "timed out" }
            return "\(error)"
        }
        return "\(type(of: error))"
    }
}
