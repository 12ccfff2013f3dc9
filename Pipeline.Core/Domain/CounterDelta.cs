namespace Pipeline.Core.Domain;

/// <summary>A counted delta for one run, applied atomically with an idempotency marker.</summary>
public readonly record struct CounterDelta(Counter Counter, long Delta);
