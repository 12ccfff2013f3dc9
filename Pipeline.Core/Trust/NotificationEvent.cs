using System.Text.Json.Nodes;

namespace Pipeline.Core.Trust;

/// <summary>
/// Something to tell the webhooks: its <paramref name="Key"/> names the occurrence (e.g. <c>run:&lt;id&gt;:failed</c>), so
/// raising it twice (another poll, another instance, a restart) sends nothing more. <paramref name="Summary"/> is the
/// one line a chat message shows.
/// </summary>
public sealed record NotificationEvent(string Type, string Key, DateTimeOffset OccurredAt, JsonObject Data, string Summary);
