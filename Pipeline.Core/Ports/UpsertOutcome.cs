
namespace Pipeline.Core.Ports;

public sealed record UpsertOutcome(int Upserted, int Unchanged, int PriceChanges);
