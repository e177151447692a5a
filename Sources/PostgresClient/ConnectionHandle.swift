// Owns one libpq PGconn (and its cancel handle) and frees both exactly once, in deinit.
import CLibPQ
import Foundation
import Logging

/// The only owner of a `PGconn*`. Used solely on its connection's thread; the cancel handle
/// is the one part libpq allows other threads to use, so it sits behind a lock.
final class ConnectionHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    private let cancelLock = NSLock()
    private var cancelHandle: OpaquePointer?

    private let noticeSink: NoticeSink

    init(_ pointer: OpaquePointer, logger: Logger) {
        self.pointer = pointer
        cancelHandle = PQgetCancel(pointer)
        noticeSink = NoticeSink(logger: logger)
        // libpq prints NOTICEs ("relation already exists, skipping") to stderr by default;
        // they belong in the log, at debug level. The sink lives as long as this handle.
        PQsetNoticeReceiver(
            pointer,
            { context, result in
                guard let context, let result else { return }
                let sink = Unmanaged<NoticeSink>.fromOpaque(context).takeUnretainedValue()
                sink.receive(PGError.oneLine(String(cString: PQresultErrorMessage(result))))
            }, Unmanaged.passUnretained(noticeSink).toOpaque())
    }

    deinit {
        cancelLock.withLock {
            if let cancelHandle { PQfreeCancel(cancelHandle) }
            cancelHandle = nil
        }
        PQfinish(pointer)
    }

    var isBroken: Bool { PQstatus(pointer) != CONNECTION_OK }
    var backendPID: Int32 { PQbackendPID(pointer) }
    var transactionStatus: PGTransactionStatus {
        switch PQtransactionStatus(pointer) {
        case PQTRANS_IDLE: .idle
        case PQTRANS_INTRANS: .inTransaction
        case PQTRANS_INERROR: .failedTransaction
        case PQTRANS_ACTIVE: .active
        default: .unknown
        }
    }

    /// Asks the server to cancel whatever this connection runs now. Callable from any thread.
    func cancel() {
        cancelLock.withLock {
            guard let cancelHandle else { return }
            var buffer = [CChar](repeating: 0, count: 256)
            _ = PQcancel(cancelHandle, &buffer, 256)
        }
    }

    /// libpq's last error for this connection, on one line.
    var errorMessage: String { PGError.oneLine(String(cString: PQerrorMessage(pointer))) }
}

/// Where a connection stands with respect to transactions (libpq's `PQtransactionStatus`).
public enum PGTransactionStatus: Sendable {
    case idle, inTransaction, failedTransaction, active, unknown
}

/// Receives the server's NOTICE and WARNING messages for one connection.
final class NoticeSink: @unchecked Sendable {
    let logger: Logger
    init(logger: Logger) { self.logger = logger }
    func receive(_ message: String) { logger.debug("server notice", metadata: ["notice": "\(message)"]) }
}
