// The DATA section on the wire: CRLF line ends, dot-stuffing and the terminating "." line (RFC 5321 §4.5.2).
import NIOCore

enum SMTPDataEncoding {
    /// Appends `message` to `buffer` as SMTP data: every line end (bare LF, bare CR or CRLF)
    /// becomes CRLF, a line starting with '.' gets a second '.', the last line is ended, and
    /// `.` CRLF closes the data. Why here and not in the MIME writer: any bytes handed to the
    /// client must arrive intact, and a lone "." line in a body would otherwise end the message.
    static func append(_ message: [UInt8], to buffer: inout ByteBuffer) {
        buffer.reserveCapacity(minimumWritableBytes: message.count + message.count / 32 + 8)
        var atLineStart = true
        var index = 0
        let count = message.count
        while index < count {
            let byte = message[index]
            switch byte {
            case 0x0D:
                buffer.writeBytes([0x0D, 0x0A])
                if index + 1 < count && message[index + 1] == 0x0A { index += 1 }
                atLineStart = true
            case 0x0A:
                buffer.writeBytes([0x0D, 0x0A])
                atLineStart = true
            default:
                if atLineStart && byte == UInt8(ascii: ".") { buffer.writeInteger(UInt8(ascii: ".")) }
                buffer.writeInteger(byte)
                atLineStart = false
            }
            index += 1
        }
        if !atLineStart { buffer.writeBytes([0x0D, 0x0A]) }
        buffer.writeBytes(Array(".\r\n".utf8))
    }

    static func encode(_ message: [UInt8]) -> [UInt8] {
        var buffer = ByteBuffer()
        append(message, to: &buffer)
        return Array(buffer.readableBytesView)
    }
}
