using System.Globalization;

namespace Pipeline.Web.Api;

/// <summary>400 answers as problem details that name the offending field.</summary>
public static class ApiValidation
{
    public static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] },
            title: "The request is invalid.", detail: message);

    public static IResult NotFound(string what, string id) =>
        Results.Problem(title: $"{what} not found.", detail: $"No {what.ToLowerInvariant()} with id '{id}'.", statusCode: StatusCodes.Status404NotFound);

    /// <summary>Reads the <c>hours</c> query parameter (a window back from now): a whole number from 1 to <paramref name="max"/>, <paramref name="fallback"/> when absent.</summary>
    public static bool TryHours(string? raw, int fallback, int max, out int value, out IResult? error)
    {
        error = null;
        value = fallback;
        if (raw is null) return true;
        if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out value) || value < 1 || value > max)
        {
            error = Invalid("hours", $"'hours' must be a whole number from 1 to {max}.");
            return false;
        }
        return true;
    }

    /// <summary>Reads an integer query parameter within a range; null when absent.</summary>
    public static bool TryLimit(string? raw, int fallback, int max, out int value, out IResult? error)
    {
        error = null;
        value = fallback;
        if (raw is null) return true;
        if (!int.TryParse(raw, out value) || value < 1 || value > max)
        {
            error = Invalid("limit", $"'limit' must be a whole number from 1 to {max}.");
            return false;
        }
        return true;
    }
}
