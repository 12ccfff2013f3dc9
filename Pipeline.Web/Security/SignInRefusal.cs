namespace Pipeline.Web.Security;

/// <summary>Why <see cref="SignInThrottle"/> refused a password check, and when the client may try again.</summary>
/// <param name="RetryAfter">How long to wait (sent as <c>Retry-After</c>).</param>
/// <param name="Reason">For the log: which limit refused (never the values typed).</param>
public sealed record SignInRefusal(TimeSpan RetryAfter, string Reason);
