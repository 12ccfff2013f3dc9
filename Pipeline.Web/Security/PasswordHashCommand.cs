namespace Pipeline.Web.Security;

/// <summary>
/// <c>hash-password</c>: reads a password from standard input and writes its hash, and nothing else, to standard output
/// (the value for <c>Pipeline:Security:Admin:PasswordHash</c>), so that <c>$(… hash-password)</c> captures the hash alone.
/// Messages go to standard error.
/// </summary>
public static class PasswordHashCommand
{
    public const string Name = "hash-password";

    public static bool IsRequested(string[] args) => args is [Name, ..];

    /// <summary>Reads one line (the password) from <paramref name="input"/>; returns the process's exit code.</summary>
    public static int Run(TextReader input, TextWriter output, TextWriter error)
    {
        var password = input.ReadLine();
        if (string.IsNullOrEmpty(password))
        {
            error.WriteLine("Type the password on standard input, e.g. echo 'your password' | … hash-password");
            return 2;
        }
        output.WriteLine(AdminPasswordHash.Create(password));
        return 0;
    }
}
