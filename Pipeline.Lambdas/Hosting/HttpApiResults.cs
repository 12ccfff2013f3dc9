using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Pipeline.Lambdas.Events;

namespace Pipeline.Lambdas.Hosting;

/// <summary>The trigger's answers, shaped like the Web API's (problem details that name the offending field).</summary>
internal static class HttpApiResults
{
    public static HttpApiResponse Json<T>(int status, T value, JsonTypeInfo<T> type, string contentType = "application/json") => new()
    {
        StatusCode = status,
        Headers = new Dictionary<string, string> { ["content-type"] = contentType },
        Body = JsonSerializer.Serialize(value, type),
    };

    public static HttpApiResponse Problem(ProblemResponse problem, Dictionary<string, string>? headers = null)
    {
        var response = Json(problem.Status, problem with { Type = problem.Type ?? TypeFor(problem.Status) },
            LambdaJsonContext.Default.ProblemResponse, "application/problem+json");
        if (headers is not null)
            foreach (var (name, value) in headers) response.Headers![name] = value;
        return response;
    }

    /// <summary>400 naming the field, as <c>Results.ValidationProblem</c> writes it.</summary>
    public static HttpApiResponse Invalid(string field, string message) => Problem(new ProblemResponse
    {
        Title = "The request is invalid.",
        Status = 400,
        Detail = message,
        Errors = new Dictionary<string, string[]> { [field] = [message] },
    });

    private static string TypeFor(int status) => status switch
    {
        400 => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        401 => "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        405 => "https://tools.ietf.org/html/rfc9110#section-15.5.6",
        409 => "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        415 => "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        502 => "https://tools.ietf.org/html/rfc9110#section-15.6.3",
        _ => "https://tools.ietf.org/html/rfc9110#section-15.6.1",
    };
}
