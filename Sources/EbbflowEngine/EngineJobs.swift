// The engine's one registration of every job kind it runs, for a worker over a schema.
import EbbflowCore
import EbbflowQueue

extension JobRegistry {
    /// The engine's job kinds, for a worker over `schema`. Why one place: a worker that misses a
    /// kind leaves its jobs unclaimed for good, so every kind the engine enqueues or schedules is
    /// registered here and nowhere else.
    public mutating func registerEngine(schema: SchemaName) {
        register(InactivitySweepJob(schema: schema))
        register(ReactivationStepJob(schema: schema))
        register(FlowStepJob(schema: schema))
        register(FlowWaitEndJob(schema: schema))
        register(AudienceSnapshotJob(schema: schema))
        register(ApplyPendingEventsJob(schema: schema))
        register(ApplyEventsJob(schema: schema))
        register(DecayPassJob(schema: schema))
        register(StreamStepJob(schema: schema))
        register(StreamDateEntriesJob(schema: schema))
        register(ExperimentPromotionJob(schema: schema))
        register(DashboardRollupJob(schema: schema))
    }
}
