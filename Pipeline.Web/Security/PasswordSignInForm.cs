namespace Pipeline.Web.Security;

/// <summary>The sign-in form's fields (posted with the antiforgery token).</summary>
public sealed class PasswordSignInForm
{
    public string? UserName { get; set; }
    public string? Password { get; set; }
    public string? ReturnUrl { get; set; }
}
