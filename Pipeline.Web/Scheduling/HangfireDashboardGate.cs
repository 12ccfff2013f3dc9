using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Authentication;

namespace Pipeline.Web.Scheduling;

/// <summary>
/// In front of the Hangfire dashboard: only a caller the dashboard would let in reaches it, with a method it answers.
/// A signed-out browser is sent to the sign-in page (a script gets 401, the cookie scheme decides); a wrong key gets 401;
/// a method other than GET, HEAD or POST gets 405. The dashboard itself builds antiforgery tokens before it checks anyone,
/// passes an address it does not know on to the end of its branch (an exception when routing chose an endpoint for it),
/// and reads a command's form whatever the content type (an exception for a GET): none of these can happen here, and an
/// unknown address ends in 404.
/// </summary>
public sealed class HangfireDashboardGate(RequestDelegate next, HangfireDashboardAuthorization authorization)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments(SchedulingRegistration.DashboardPath)) return next(context);
        if (HangfireDashboardAuthorization.NeedsSignIn(context)) return context.ChallengeAsync();
        if (!authorization.Allows(context))
            return Results.Problem(title: "Unauthorized.", statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context);
        var method = context.Request.Method;
        if (!(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsPost(method)))
        {
            context.Response.Headers.Allow = "GET, HEAD, POST";
            return Results.Problem(title: "Method not allowed.", statusCode: StatusCodes.Status405MethodNotAllowed).ExecuteAsync(context);
        }
        // Nothing but the dashboard answers under its path: whatever routing matched (a page's method-mismatch) is not it.
        context.SetEndpoint(null);
        // The dashboard's commands read the form without looking at the content type: a request without a form has an empty one.
        if (!context.Request.HasFormContentType) context.Features.Set<IFormFeature>(new FormFeature(FormCollection.Empty));
        return next(context);
    }
}
