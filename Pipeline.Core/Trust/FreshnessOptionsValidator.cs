using Microsoft.Extensions.Options;

namespace Pipeline.Core.Trust;

/// <summary>Refuses a <c>Pipeline:Sources:&lt;Name&gt;:FreshnessMaxAge</c> that is not a positive TimeSpan, naming the key.</summary>
public sealed class FreshnessOptionsValidator : IValidateOptions<FreshnessOptions>
{
    public ValidateOptionsResult Validate(string? name, FreshnessOptions options) =>
        options.Invalid.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(options.Invalid.Select(i => $"{i.Key} '{i.Value}' is not a positive TimeSpan in the form [d.]hh:mm[:ss] (e.g. 12:00:00 or 1.00:00:00)."));
}
