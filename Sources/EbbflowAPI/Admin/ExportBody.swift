// The streamed body of a contact's export, for the dashboard's download as for the API's answer.
import EbbflowCore
import EbbflowEngine
import Hummingbird

/// Why public: the dashboard's "export" downloads the same document the API streams, with the
/// same backpressure and the same failure rule (a failure midway cuts the connection).
public enum ExportBody {
    public static func streamed(_ found: ExportStart.Found, schema: SchemaName, database: APIDatabase) -> ResponseBody {
        PrivacyRoutes.streamed(found, schema: schema, database: database)
    }
}
