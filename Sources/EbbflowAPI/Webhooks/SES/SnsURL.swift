// Checks the URLs an SNS message names (its signing certificate, its SubscribeURL) are Amazon SNS's own, by hand and strictly.
/// Why by hand rather than Foundation's URL: the rule is short and exact (`https`, the host
/// `sns.<region>.amazonaws.com` or, in China's regions, `sns.<region>.amazonaws.com.cn`, no user
/// information, no port, no percent-encoding, no backslash), and a general parser accepts more
/// spellings of a host than this rule wants to reason about.
enum SnsURL {
    /// The certificate's file name (`SimpleNotificationService-<id>.pem`), the key the operator
    /// pins it by, when `text` is an SNS signing certificate URL; else why not.
    static func certificateFileName(_ text: String) -> Result<String, SnsRefusal> {
        guard let (host, rest) = split(text) else {
            return .failure(.certificateURL("SigningCertURL must be https://sns.<region>.amazonaws.com/<name>.pem"))
        }
        guard isSNSHost(host) else {
            return .failure(
                .certificateURL("SigningCertURL's host \"\(host.prefix(80))\" is not sns.<region>.amazonaws.com"))
        }
        let name = rest.dropFirst()
        guard rest.first == "/", name.hasSuffix(".pem"), name.count > 4, name.count <= 200, name.first != ".",
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
        else {
            return .failure(.certificateURL("SigningCertURL's path must be one file name ending .pem"))
        }
        return .success(String(name))
    }

    /// Whether `text` is a subscription's confirmation URL on an SNS host (`https`, the same host
    /// rule, the path `/` and an `Action=ConfirmSubscription` query): only such a URL is logged
    /// and kept for the operator to open.
    static func isConfirmationURL(_ text: String) -> Bool {
        guard let (host, rest) = split(text), isSNSHost(host), rest.hasPrefix("/?") else { return false }
        let query = rest.dropFirst(2)
        return query.split(separator: "&").contains("Action=ConfirmSubscription")
            && !query.contains("#")
    }

    /// The host and what follows it (from the first `/`), for `https://` URLs of printable ASCII
    /// with no user information, port, percent-encoding or backslash; else nil.
    private static func split(_ text: String) -> (host: Substring, rest: Substring)? {
        let prefix = "https://"
        guard text.hasPrefix(prefix), text.utf8.count <= 4_096,
            text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f }),
            !text.contains("\\"), !text.contains("%")
        else { return nil }
        let afterScheme = text.dropFirst(prefix.count)
        guard let slash = afterScheme.firstIndex(of: "/") else { return nil }
        let host = afterScheme[..<slash]
        guard !host.contains("@"), !host.contains(":") else { return nil }
        return (host, afterScheme[slash...])
    }

    /// `sns.<region>.amazonaws.com`, or `.amazonaws.com.cn` for a `cn-` region; a region is
    /// lower-case words joined by `-` ending in a number (`us-east-1`, `us-gov-west-1`).
    static func isSNSHost(_ host: Substring) -> Bool {
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        let china = labels.count == 5 && labels[3] == "com" && labels[4] == "cn"
        guard labels.count == 4 || china, labels[0] == "sns", labels[2] == "amazonaws", labels[3] == "com" else {
            return false
        }
        let region = labels[1]
        guard region.hasPrefix("cn-") == china else { return false }
        let words = region.split(separator: "-", omittingEmptySubsequences: false)
        guard words.count >= 3, let number = words.last, (1...2).contains(number.count),
            number.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return false }
        return words.dropLast().allSatisfy { word in
            (2...12).contains(word.count) && word.allSatisfy { $0.isASCII && $0.isLowercase }
        }
    }
}
