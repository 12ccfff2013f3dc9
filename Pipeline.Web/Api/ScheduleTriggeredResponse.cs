
namespace Pipeline.Web.Api;

public sealed record ScheduleTriggeredResponse(string Id, string JobId);
