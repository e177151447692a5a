// `ebbflow simulate --serve`: after the run, the dashboard on the simulated audience with a fresh admin key.
import EbbflowAPI
import EbbflowCore
import Foundation

/// Why in the simulator: a newcomer's first look at ebbflow is `scripts/demo`; one more flag
/// (or `scripts/demo-dashboard`) should put the audience they just watched breathe into a
/// browser, without learning keys and `serve` first. The key is made in the simulation's own
/// schema, which the next run recreates, so nothing outlives the demo.
enum SimulateServe {
    static func run(connection: ConnectionOptions, schema: SchemaName, port: Int) async throws {
        let database = try await connection.connect()
        let key = try await database.run { connection in
            try APIKeyStore(schema: schema).create(
                name: "simulate-\(Int(Date().timeIntervalSince1970))", scope: .admin, on: connection)
        }
        await database.run { connection in connection.close() }
        print(
            """

                The dashboard of this simulation: http://127.0.0.1:\(port == 0 ? "PORT" : "\(port)")/dashboard/ \
                (PORT: see "listening on" below). Sign in with this admin key (shown once):
                \(key.text)
            Stop with Ctrl-C.
            """)
        // Out now: stdout's buffer would hold the key (and the run's table) until the server exits.
        fflush(nil)
        var serve = try ServeCommand.parse([])
        serve.connection = connection
        serve.connection.schema = schema.name
        serve.port = port
        try await serve.run()
    }
}
