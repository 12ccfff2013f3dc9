#if PIPELINE_LAMBDAS
using System.Reflection;

namespace Pipeline.Tests.Terraform;

/// <summary>
/// Every handler string in terraform/ resolves, the way the managed dotnet10 runtime resolves it, to a public method
/// of the built Pipeline.Lambdas assembly: <c>Assembly::Namespace.Type::Method</c>, one public method of that name,
/// one parameter of exactly <see cref="Stream"/>, returning a Stream (or subclass), <c>Task&lt;Stream&gt;</c>, void or
/// Task; an instance method needs a public parameterless constructor.
/// Compiled only with PIPELINE_LAMBDAS defined, together with a ProjectReference to Pipeline.Lambdas.
/// </summary>
[Collection(TerraformCollection.Name)]
public sealed class LambdaHandlerResolutionTests(TerraformFixture fixture)
{
    [Fact]
    public void Every_handler_string_resolves_to_a_public_stream_method_of_the_built_assembly()
    {
        var functions = fixture.Configuration.Resources("aws_lambda_function");
        Assert.NotEmpty(functions);

        var problems = functions
            .Select(f => (Function: f, Handler: f.StringAttribute("handler") ?? ""))
            .Select(h => Problem(h.Handler) is { } problem ? $"{h.Function}: handler \"{h.Handler}\": {problem}" : null)
            .OfType<string>()
            .ToList();

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    private static string? Problem(string handler)
    {
        var parts = handler.Split("::");
        if (parts.Length != 3) return "is not Assembly::Type::Method.";

        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName(parts[0]));
        }
        catch (FileNotFoundException)
        {
            return $"assembly {parts[0]} is not in the test output; Pipeline.Tests needs a ProjectReference to it.";
        }

        var type = assembly.GetType(parts[1], throwOnError: false);
        if (type is null) return $"type {parts[1]} does not exist in {parts[0]}.";
        if (!type.IsVisible) return $"type {parts[1]} is not public.";
        if (type.IsAbstract && !type.IsSealed) return $"type {parts[1]} is abstract.";
        if (type.ContainsGenericParameters) return $"type {parts[1]} is generic.";

        var methods = type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            .Where(m => m.Name == parts[2])
            .ToList();
        if (methods.Count != 1) return $"{parts[1]} has {methods.Count} public methods named {parts[2]}; the runtime needs exactly one.";

        var method = methods[0];
        if (method.ContainsGenericParameters) return "the method is generic.";
        if (!method.IsStatic && type.GetConstructor(Type.EmptyTypes) is null)
            return $"{parts[2]} is an instance method but {parts[1]} has no public parameterless constructor.";

        var parameters = method.GetParameters();
        if (parameters.Length != 1 || parameters[0].ParameterType != typeof(Stream))
            return "the method must take exactly one parameter of type System.IO.Stream (no serializer is available).";

        var returns = method.ReturnType;
        var ok = returns == typeof(void)
            || returns == typeof(Task)
            || typeof(Stream).IsAssignableFrom(returns)
            || (returns.IsGenericType && returns.GetGenericTypeDefinition() == typeof(Task<>)
                && typeof(Stream).IsAssignableFrom(returns.GetGenericArguments()[0]));
        return ok ? null : $"the method returns {returns}; it must return Stream, Task<Stream>, void or Task.";
    }
}
#endif
