using Amazon.DynamoDBv2.Model;
using Pipeline.Core.Domain;
using static Pipeline.Adapters.Aws.DynamoDb.AttributeValues;
using R = Pipeline.Adapters.Aws.DynamoDb.RunItems;

namespace Pipeline.Adapters.Aws.DynamoDb;

/// <summary>
/// The dashboard's sessions in the runs table: one item per session in its user's partition (<c>sessions#&lt;userId&gt;</c>,
/// sort key <c>session#&lt;id&gt;</c>), so that a user's sessions are one consistent <c>Query</c> (sign out everywhere,
/// pruning) and a session is one consistent <c>GetItem</c>. Not on the "recent" index.
/// </summary>
internal static class SessionItems
{
    public const string SkPrefix = "session#";

    public const string Id = "id";
    public const string UserId = "userId";
    public const string UserName = "userName";
    public const string CreatedAt = "createdAt";
    public const string ExpiresAt = "expiresAt";
    public const string RevokedAt = "revokedAt";

    public static string Partition(string userId) => "sessions#" + userId;

    public static Dictionary<string, AttributeValue> Key(string userId, string id) =>
        new() { [R.Pk] = S(Partition(userId)), [R.Sk] = S(SkPrefix + id) };

    public static Dictionary<string, AttributeValue> ToItem(UserSession session)
    {
        var item = Key(session.UserId, session.Id);
        item[Id] = S(session.Id);
        item[UserId] = S(session.UserId);
        item.SetIfNotNull(UserName, session.UserName);
        item[CreatedAt] = Time(session.CreatedAt);
        item[ExpiresAt] = Time(session.ExpiresAt);
        item.SetIfNotNull(RevokedAt, session.RevokedAt);
        return item;
    }

    public static UserSession FromItem(Dictionary<string, AttributeValue> item) => new()
    {
        Id = item.GetRequiredString(Id),
        UserId = item.GetRequiredString(UserId),
        UserName = item.GetString(UserName),
        CreatedAt = item.GetRequiredTime(CreatedAt),
        ExpiresAt = item.GetRequiredTime(ExpiresAt),
        RevokedAt = item.GetTime(RevokedAt),
    };
}
