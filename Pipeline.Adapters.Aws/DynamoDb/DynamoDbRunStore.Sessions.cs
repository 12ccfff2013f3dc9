using Amazon.DynamoDBv2.Model;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using static Pipeline.Adapters.Aws.DynamoDb.AttributeValues;
using R = Pipeline.Adapters.Aws.DynamoDb.RunItems;
using Ses = Pipeline.Adapters.Aws.DynamoDb.SessionItems;

namespace Pipeline.Adapters.Aws.DynamoDb;

/// <summary>
/// The dashboard's sessions (<see cref="SessionItems"/>): each write is one conditional request on one item, and a user's
/// sessions are read with one consistent <c>Query</c> on their partition, so "sign out everywhere" sees a session created
/// a moment before.
/// </summary>
public sealed partial class DynamoDbRunStore : ISessionStore
{
    public Task<bool> CreateSessionAsync(UserSession session, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentException.ThrowIfNullOrEmpty(session.Id);
        ArgumentException.ThrowIfNullOrEmpty(session.UserId);
        return PutIfAsync(Ses.ToItem(session), "attribute_not_exists(#pk)", new() { ["#pk"] = R.Pk }, null, ct);
    }

    public async Task<UserSession?> GetSessionAsync(string userId, string id, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(userId) || string.IsNullOrEmpty(id)) return null;
        var response = await _db.GetItemAsync(new GetItemRequest { TableName = Table, Key = Ses.Key(userId, id), ConsistentRead = true }, ct)
            .ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? Ses.FromItem(item) : null;
    }

    public async Task<bool> RevokeSessionAsync(string userId, string id, DateTimeOffset at, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(userId) || string.IsNullOrEmpty(id)) return false;
        try
        {
            await _db.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = Table,
                Key = Ses.Key(userId, id),
                UpdateExpression = "SET #revokedAt = :at",
                ConditionExpression = "attribute_exists(#pk) AND attribute_not_exists(#revokedAt)",
                ExpressionAttributeNames = new() { ["#pk"] = R.Pk, ["#revokedAt"] = Ses.RevokedAt },
                ExpressionAttributeValues = new() { [":at"] = Time(at) },
            }, ct).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task<int> RevokeUserSessionsAsync(string userId, DateTimeOffset at, CancellationToken ct)
    {
        var revoked = 0;
        foreach (var session in await UserSessionsAsync(userId, ct).ConfigureAwait(false))
            if (session.RevokedAt is null && await RevokeSessionAsync(userId, session.Id, at, ct).ConfigureAwait(false))
                revoked++;
        return revoked;
    }

    /// <summary>Each ended session is deleted on the condition that it still ended before the time (a stored revocation is never undone).</summary>
    public async Task<int> PruneUserSessionsAsync(string userId, DateTimeOffset before, CancellationToken ct)
    {
        var pruned = 0;
        foreach (var session in await UserSessionsAsync(userId, ct).ConfigureAwait(false))
        {
            if (!(session.RevokedAt < before || session.ExpiresAt < before)) continue;
            if (await DeleteIfAsync(Ses.Key(userId, session.Id), "#revokedAt < :before OR #expiresAt < :before",
                    new() { ["#revokedAt"] = Ses.RevokedAt, ["#expiresAt"] = Ses.ExpiresAt }, new() { [":before"] = Time(before) }, ct)
                    .ConfigureAwait(false))
                pruned++;
        }
        return pruned;
    }

    /// <summary>Every session of the user (consistent, all pages). A user has few: each ends within the absolute cap and is pruned at sign-in.</summary>
    private async Task<List<UserSession>> UserSessionsAsync(string userId, CancellationToken ct)
    {
        var sessions = new List<UserSession>();
        if (string.IsNullOrEmpty(userId)) return sessions;
        var request = new QueryRequest
        {
            TableName = Table,
            KeyConditionExpression = "#pk = :pk AND begins_with(#sk, :prefix)",
            ExpressionAttributeNames = new() { ["#pk"] = R.Pk, ["#sk"] = R.Sk },
            ExpressionAttributeValues = new() { [":pk"] = S(Ses.Partition(userId)), [":prefix"] = S(Ses.SkPrefix) },
            ConsistentRead = true,
        };
        do
        {
            var response = await _db.QueryAsync(request, ct).ConfigureAwait(false);
            sessions.AddRange((response.Items ?? []).Select(Ses.FromItem));
            request.ExclusiveStartKey = response.LastEvaluatedKey;
        } while (request.ExclusiveStartKey is { Count: > 0 });
        return sessions;
    }
}
