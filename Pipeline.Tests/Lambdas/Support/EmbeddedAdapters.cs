using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Adapters.Local;

namespace Pipeline.Tests.Lambdas.Support;

/// <summary>
/// The functions compose the AWS adapters only; these tests run the handlers on the embedded ones (local files), put in
/// their place through <c>LambdaServices.Adapters</c> or <c>LambdaServices.Build</c>'s <c>adapters</c> argument.
/// </summary>
public static class EmbeddedAdapters
{
    public static void Add(IServiceCollection services, IConfiguration configuration) => services.AddLocalAdapters(configuration);
}
