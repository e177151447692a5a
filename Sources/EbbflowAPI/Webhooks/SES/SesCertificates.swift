// The SNS signing certificates the operator pinned (EBBFLOW_SES_CERTIFICATES), checked at start against the optional CA (EBBFLOW_SES_CA).
import Foundation
import SwiftASN1
@_spi(DisableValidityCheck) import X509
@preconcurrency import _CryptoExtras

/// One pinned certificate: the key its signatures are checked with and the chain whose dates
/// are checked at each message.
struct SesPinnedCertificate: Sendable {
    let fileName: String
    let key: _RSA.Signing.PublicKey
    /// The certificate first, then the CA certificates it chains through (just itself without a CA).
    let chain: [Certificate]

    /// Why per message and with the database clock: the pinned set is read once at start, but a
    /// certificate expires while the server runs, and the project has one clock.
    func datesRefusal(at now: Date) -> SnsRefusal? {
        for certificate in chain {
            if now < certificate.notValidBefore {
                return .certificateDates(
                    "certificate \(certificate.subject) (for \(fileName)) is not valid before \(certificate.notValidBefore)"
                )
            }
            if now > certificate.notValidAfter {
                return .certificateDates(
                    "certificate \(certificate.subject) (for \(fileName)) expired at \(certificate.notValidAfter)")
            }
        }
        return nil
    }
}

/// Offline on purpose: ebbflow never fetches a certificate a message names (that would let a
/// message choose its own key, and ebbflow runs where it may reach nothing), so a message is
/// verified only with a certificate the operator downloaded and pinned, found by the file name
/// its `SigningCertURL` ends with.
struct SesCertificates: Sendable {
    let pinned: [String: SesPinnedCertificate]

    static let maxFiles = 1_000
    static let maxFileBytes = 256 * 1_024

    func certificate(named fileName: String) -> SesPinnedCertificate? { pinned[fileName] }

    /// Reads `path` (a directory of `.pem` files, each named as its SigningCertURL names it, or
    /// one such file) and, when `caPath` is given, checks that each chains to the CA bundle there
    /// (self-signed certificates in it are the roots, the others intermediates). Throws
    /// `SesConfigurationError` with one line for the operator.
    static func load(path: String, caPath: String?) async throws -> SesCertificates {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SesConfigurationError("EBBFLOW_SES_CERTIFICATES: \(path) does not exist")
        }
        var files: [String] = []
        if isDirectory.boolValue {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: path)
            } catch {
                throw SesConfigurationError(
                    "EBBFLOW_SES_CERTIFICATES: cannot list \(path): \(error.localizedDescription)")
            }
            files = names.filter { $0.hasSuffix(".pem") }.sorted().map { (path as NSString).appendingPathComponent($0) }
            guard files.count <= maxFiles else {
                throw SesConfigurationError("EBBFLOW_SES_CERTIFICATES: more than \(maxFiles) .pem files in \(path)")
            }
        } else {
            files = [path]
        }
        guard !files.isEmpty else {
            throw SesConfigurationError("EBBFLOW_SES_CERTIFICATES: no .pem file in \(path)")
        }
        let authorities = try caPath.map { try readCertificates($0, setting: "EBBFLOW_SES_CA") }
        var pinned: [String: SesPinnedCertificate] = [:]
        for file in files {
            let fileName = (file as NSString).lastPathComponent
            guard fileName.hasSuffix(".pem"),
                case .success = SnsURL.certificateFileName("https://sns.us-east-1.amazonaws.com/\(fileName)")
            else {
                throw SesConfigurationError(
                    "EBBFLOW_SES_CERTIFICATES: \(file) is not named as a SigningCertURL names its file (<name>.pem)")
            }
            let certificates = try readCertificates(file, setting: "EBBFLOW_SES_CERTIFICATES")
            guard certificates.count == 1, let certificate = certificates.first else {
                throw SesConfigurationError(
                    "EBBFLOW_SES_CERTIFICATES: \(file) holds \(certificates.count) certificates; pin one per file, named as its SigningCertURL names it"
                )
            }
            guard let key = _RSA.Signing.PublicKey(certificate.publicKey) else {
                throw SesConfigurationError(
                    "EBBFLOW_SES_CERTIFICATES: \(file) does not hold an RSA key of 2048 bits or more, as SNS signs with"
                )
            }
            var chain = [certificate]
            if let authorities {
                chain = try await chainToAuthorities(certificate, authorities, file: file)
            }
            pinned[fileName] = SesPinnedCertificate(fileName: fileName, key: key, chain: chain)
        }
        return SesCertificates(pinned: pinned)
    }

    /// The chain from `certificate` to a root in `authorities`. Dates are left to each message
    /// (`SesPinnedCertificate.datesRefusal`), so a check at start cannot disagree with the
    /// database clock the messages are judged by.
    private static func chainToAuthorities(_ certificate: Certificate, _ authorities: [Certificate], file: String)
        async throws -> [Certificate]
    {
        let roots = authorities.filter { $0.subject == $0.issuer }
        let intermediates = authorities.filter { $0.subject != $0.issuer }
        guard !roots.isEmpty else {
            throw SesConfigurationError("EBBFLOW_SES_CA holds no self-signed (root) certificate")
        }
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
            RFC5280Policy.withValidityCheckDisabled()
        }
        switch await verifier.validate(leaf: certificate, intermediates: CertificateStore(intermediates)) {
        case .validCertificate(let chain):
            return Array(chain)
        case .couldNotValidate:
            throw SesConfigurationError(
                "EBBFLOW_SES_CERTIFICATES: \(file) does not chain to a root in EBBFLOW_SES_CA (add the intermediate that issued it to that bundle)"
            )
        }
    }

    /// Every certificate of a PEM file, or one line saying why not.
    private static func readCertificates(_ file: String, setting: String) throws -> [Certificate] {
        let attributes = try? FileManager.default.attributesOfItem(atPath: file)
        guard let size = attributes?[.size] as? NSNumber, size.intValue <= maxFileBytes else {
            throw SesConfigurationError(
                "\(setting): \(file) cannot be read or is larger than \(maxFileBytes / 1_024) KB")
        }
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
        else {
            throw SesConfigurationError("\(setting): \(file) cannot be read as text")
        }
        do {
            let documents = try PEMDocument.parseMultiple(pemString: text)
            guard !documents.isEmpty else {
                throw SesConfigurationError("\(setting): \(file) holds no PEM certificate")
            }
            return try documents.map { document in
                guard document.discriminator == "CERTIFICATE" else {
                    throw SesConfigurationError(
                        "\(setting): \(file) holds a \(document.discriminator.prefix(40)), not a CERTIFICATE")
                }
                return try Certificate(derEncoded: document.derBytes)
            }
        } catch let error as SesConfigurationError {
            throw error
        } catch {
            throw SesConfigurationError("\(setting): \(file) is not a PEM certificate: \(error)")
        }
    }
}

/// A set but unusable SES setting: `serve` refuses to start with this one line.
public struct SesConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
