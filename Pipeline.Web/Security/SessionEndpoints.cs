using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Pipeline.Web.Security;

/// <summary><c>POST /account/sign-out-everywhere</c>: ends every session of the signed-in user (antiforgery-checked), then this one's cookie.</summary>
public static class SessionEndpoints
{
    public const string SignOutEverywherePath = "/account/sign-out-everywhere";

    public static IEndpointRouteBuilder MapSessionEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost(SignOutEverywherePath, SignOutEverywhereAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> SignOutEverywhereAsync(HttpContext http, IAntiforgery antiforgery, ServerSessions sessions)
    {
        if (http.User.Identity?.IsAuthenticated != true) return Results.Redirect(AccountEndpoints.SignInPage);
        if (!await antiforgery.IsRequestValidAsync(http))
            return Results.Problem(title: "The form has expired.", detail: "Reload the page and sign out again.",
                statusCode: StatusCodes.Status400BadRequest);
        await sessions.EndAllAsync(http.User, http.RequestAborted);
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Results.Redirect($"{AccountEndpoints.SignInPage}?signedOut=1");
    }
}
