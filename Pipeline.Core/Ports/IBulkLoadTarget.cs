
namespace Pipeline.Core.Ports;

/// <summary>
/// A store that loads a large batch of products faster with some secondary indexes built once at the end (SQLite: a
/// random insert or move in each sort index per product, against one sort per index). Optional: the stages ask for it
/// when a run plans many products; the store decides from what it holds whether, and which indexes, to defer.
/// </summary>
public interface IBulkLoadTarget
{
    /// <summary>Starts a bulk load when <paramref name="expectedProducts"/> is large enough against what the store holds; true when started.</summary>
    Task<bool> BeginBulkLoadAsync(long expectedProducts, CancellationToken ct);

    /// <summary>Ends a bulk load (builds what it deferred); does nothing when none is under way.</summary>
    Task EndBulkLoadAsync(CancellationToken ct);
}
