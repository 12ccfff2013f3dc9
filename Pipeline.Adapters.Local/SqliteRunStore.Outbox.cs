using Microsoft.Data.Sqlite;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Adapters.Local;

/// <summary>
/// The notification outbox: webhook deliveries (one row each, found due by status and next attempt) and the notifier's
/// markers (with the time each was last written, for pruning). Every conditional write is one statement whose changed-row
/// count says whether it won.
/// </summary>
public sealed partial class SqliteRunStore : INotificationOutbox
{
    private const string OutboxSchema = """
        CREATE TABLE IF NOT EXISTS webhook_deliveries (
            id TEXT PRIMARY KEY, event_id TEXT NOT NULL, type TEXT NOT NULL, webhook INTEGER NOT NULL, url TEXT NOT NULL, body TEXT NOT NULL,
            created_at INTEGER NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, last_attempt_at INTEGER,
            next_attempt_at INTEGER);
        CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
        CREATE INDEX IF NOT EXISTS webhook_deliveries_created ON webhook_deliveries (created_at DESC);
        CREATE TABLE IF NOT EXISTS notifier_markers (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER) WITHOUT ROWID;
        """;

    /// <summary>
    /// Stores written before markers had a time get the column; their markers keep it null, which pruning takes for old.
    /// </summary>
    private static void MigrateOutbox(SqliteWriteSession session)
    {
        if (session.Statement("SELECT count(*) FROM pragma_table_info('notifier_markers') WHERE name = 'updated_at'").ScalarInt64() == 0)
            session.Execute("ALTER TABLE notifier_markers ADD COLUMN updated_at INTEGER;");
    }

    private const string DeliveryColumns =
        "id, event_id, type, webhook, url, body, created_at, status, attempts, last_error, last_attempt_at, next_attempt_at";

    private static WebhookDelivery ReadDelivery(SqliteDataReader r) => new()
    {
        Id = r.GetString(0),
        EventId = r.GetString(1),
        Type = r.GetString(2),
        Webhook = r.GetInt32(3),
        Url = r.GetString(4),
        Body = r.GetString(5),
        CreatedAt = SqliteExtensions.FromUnixMs(r.GetInt64(6)),
        Status = ParseDeliveryStatus(r.GetString(7)),
        Attempts = r.GetInt32(8),
        LastError = r.GetNullableString(9),
        LastAttemptAt = r.GetNullableTime(10),
        NextAttemptAt = r.GetNullableTime(11),
    };

    public Task<bool> EnqueueAsync(WebhookDelivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return db.WriteAsync(session =>
        {
            using var command = session.Connection.CreateCommand();
            command.CommandText = $"""
                INSERT INTO webhook_deliveries ({DeliveryColumns})
                VALUES ($id, $event, $type, $webhook, $url, $body, $created, $status, $attempts, $error, $last, $next)
                ON CONFLICT (id) DO NOTHING
                """;
            command.With("$id", delivery.Id).With("$event", delivery.EventId).With("$type", delivery.Type).With("$webhook", delivery.Webhook)
                .With("$url", delivery.Url).With("$body", delivery.Body).With("$created", delivery.CreatedAt.ToUnixMs());
            WithAttempt(command, delivery);
            return command.ExecuteNonQuery() == 1;
        }, ct);
    }

    public async Task<WebhookDelivery?> GetDeliveryAsync(string id, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {DeliveryColumns} FROM webhook_deliveries WHERE id = $id";
        command.With("$id", id);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? ReadDelivery(reader) : null;
    }

    public Task<IReadOnlyList<WebhookDelivery>> DueDeliveriesAsync(DateTimeOffset now, int limit, CancellationToken ct) =>
        ListDeliveriesAsync(
            "WHERE status = 'pending' AND next_attempt_at <= $now ORDER BY next_attempt_at, id LIMIT $limit",
            command => command.With("$now", now.ToUnixMs()).With("$limit", Math.Clamp(limit, 1, 1000)), ct);

    public Task<IReadOnlyList<WebhookDelivery>> RecentDeliveriesAsync(int limit, CancellationToken ct) =>
        ListDeliveriesAsync("ORDER BY created_at DESC, id DESC LIMIT $limit", command => command.With("$limit", Math.Clamp(limit, 1, 1000)), ct);

    private async Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(string clauses, Action<SqliteCommand> bind, CancellationToken ct)
    {
        var deliveries = new List<WebhookDelivery>();
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {DeliveryColumns} FROM webhook_deliveries {clauses}";
        bind(command);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false)) deliveries.Add(ReadDelivery(reader));
        return deliveries;
    }

    public Task<bool> TryClaimAttemptAsync(WebhookDelivery claimed, int expectedAttempts, CancellationToken ct) =>
        TryReplacePendingAsync(claimed, expectedAttempts, ct);

    public Task<bool> TryRecordOutcomeAsync(WebhookDelivery delivery, int expectedAttempts, CancellationToken ct) =>
        TryReplacePendingAsync(delivery, expectedAttempts, ct);

    /// <summary>A claim and an outcome are the same write: the delivery, if it is still pending with that many attempts.</summary>
    private Task<bool> TryReplacePendingAsync(WebhookDelivery delivery, int expectedAttempts, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return UpdateAttemptAsync(delivery, "AND status = 'pending' AND attempts = $expected",
            command => command.With("$expected", expectedAttempts), ct);
    }

    /// <summary>One statement on the creation index; pending deliveries are never deleted.</summary>
    public Task<int> PruneDeliveriesAsync(DateTimeOffset before, CancellationToken ct) => db.WriteAsync(session =>
    {
        using var command = session.Connection.CreateCommand();
        command.CommandText = "DELETE FROM webhook_deliveries WHERE created_at < $before AND status IN ('delivered', 'failed')";
        command.With("$before", before.ToUnixMs());
        return command.ExecuteNonQuery();
    }, ct);

    /// <summary>
    /// Writes the attempt's fields (status, attempts, last error and times) of a stored delivery when
    /// <paramref name="condition"/> holds too; true when it was changed.
    /// </summary>
    private Task<bool> UpdateAttemptAsync(WebhookDelivery delivery, string condition, Action<SqliteCommand> bind, CancellationToken ct) =>
        db.WriteAsync(session =>
        {
            using var command = session.Connection.CreateCommand();
            command.CommandText = $"""
                UPDATE webhook_deliveries SET status = $status, attempts = $attempts, last_error = $error, last_attempt_at = $last,
                    next_attempt_at = $next
                WHERE id = $id {condition}
                """;
            command.With("$id", delivery.Id);
            WithAttempt(command, delivery);
            bind(command);
            return command.ExecuteNonQuery() == 1;
        }, ct);

    private static void WithAttempt(SqliteCommand command, WebhookDelivery delivery) =>
        command.With("$status", ToWire(delivery.Status)).With("$attempts", delivery.Attempts)
            .With("$error", delivery.LastError is null ? null : Truncate(delivery.LastError, 2000))
            .With("$last", delivery.LastAttemptAt?.ToUnixMs()).With("$next", delivery.NextAttemptAt?.ToUnixMs());

    public async Task<string?> GetMarkerAsync(string key, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM notifier_markers WHERE key = $key";
        command.With("$key", key);
        return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) as string;
    }

    public Task<bool> TrySetMarkerAsync(string key, string? expected, string value, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        return db.WriteAsync(session =>
        {
            using var command = session.Connection.CreateCommand();
            command.CommandText = expected is null
                ? "INSERT INTO notifier_markers (key, value, updated_at) VALUES ($key, $value, $now) ON CONFLICT (key) DO NOTHING"
                : "UPDATE notifier_markers SET value = $value, updated_at = $now WHERE key = $key AND value = $expected";
            command.With("$key", key).With("$value", value).With("$now", DateTimeOffset.UtcNow.ToUnixMs());
            if (expected is not null) command.With("$expected", expected);
            return command.ExecuteNonQuery() == 1;
        }, ct);
    }

    /// <summary>
    /// One statement from the prefix on in key order; a marker without a time (written before markers had one) counts as
    /// old. The prefix holds a ':' as the DynamoDB store needs (it lists markers by the key up to its first ':').
    /// </summary>
    public Task<int> PruneMarkersAsync(string prefix, DateTimeOffset before, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        if (!prefix.Contains(':', StringComparison.Ordinal))
            throw new ArgumentException("A marker prefix holds a ':' (e.g. 'raised:').", nameof(prefix));
        return db.WriteAsync(session =>
        {
            using var command = session.Connection.CreateCommand();
            command.CommandText = """
                DELETE FROM notifier_markers
                WHERE key >= $prefix AND substr(key, 1, length($prefix)) = $prefix AND (updated_at IS NULL OR updated_at < $before)
                """;
            command.With("$prefix", prefix).With("$before", before.ToUnixMs());
            return command.ExecuteNonQuery();
        }, ct);
    }

    private static string ToWire(DeliveryStatus status) => status switch
    {
        DeliveryStatus.Pending => "pending",
        DeliveryStatus.Delivered => "delivered",
        DeliveryStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    private static DeliveryStatus ParseDeliveryStatus(string value) => value switch
    {
        "pending" => DeliveryStatus.Pending,
        "delivered" => DeliveryStatus.Delivered,
        "failed" => DeliveryStatus.Failed,
        _ => throw new FormatException($"Unknown delivery status '{value}'."),
    };
}
