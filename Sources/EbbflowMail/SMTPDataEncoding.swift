// The DATA section on the wire: CRLF line ends, dot-stuffing and the terminating "." line (RFC 5321 §4.5.2).
import NIOCore

enum SMTPDataEncoding {
    /// Appends `message` to `buffer` as SMTP data: every line end (bare LF, bare CR or CRLF)
    /// becomes CRLF, a line starting with '.' gets a second '.', the last line is ended, and
    /// `.` CRLF closes the data. Why here and not in the MIME writer: any bytes handed to the
    /// client must arrive intact, and a lone "." line in a body would otherwise end the message.
    /// Returns the message's size as RFC 1870 counts it for SIZE: its bytes with CRLF line ends,
    /// without the doubled dots and the closing "." line.
    @discardableResult
    static func append(_ message: [UInt8], to buffer: inout ByteBuffer) -> Int {
        let start = buffer.writerIndex
        var stuffed = 0
        buffer.reserveCapacity(minimumWritableBytes: message.count + message.count / 32 + 8)
        // Line by line, each line's bytes copied as one slice (a byte-at-a-time copy cost
        // milliseconds per message).
        var lineStart = 0
        var index = 0
        let count = message.count
        while index < count {
            let byte = message[index]
            guard byte == 0x0D || byte == 0x0A else {
                index += 1
                continue
            }
            if writeLine(message, lineStart..<index, to: &buffer) { stuffed += 1 }
            if byte == 0x0D && index + 1 < count && message[index + 1] == 0x0A { index += 1 }
            index += 1
            lineStart = index
        }
        if lineStart < count && writeLine(message, lineStart..<count, to: &buffer) { stuffed += 1 }
        let size = buffer.writerIndex - start - stuffed
        buffer.writeBytes(Array(".\r\n".utf8))
        return size
    }

    /// One line and its CRLF, a '.' doubled at its start; returns whether it doubled one.
    private static func writeLine(_ message: [UInt8], _ range: Range<Int>, to buffer: inout ByteBuffer) -> Bool {
        let stuffed = !range.isEmpty && message[range.lowerBound] == UInt8(ascii: ".")
        if stuffed { buffer.writeInteger(UInt8(ascii: ".")) }
        buffer.writeBytes(message[range])
        buffer.writeBytes([0x0D, 0x0A])
        return stuffed
    }

    static func encode(_ message: [UInt8]) -> [UInt8] {
        var buffer = ByteBuffer()
        append(message, to: &buffer)
        return Array(buffer.readableBytesView)
    }
}
