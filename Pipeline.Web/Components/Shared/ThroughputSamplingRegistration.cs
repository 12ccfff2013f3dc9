namespace Pipeline.Web.Components.Shared;

public static class ThroughputSamplingRegistration
{
    /// <summary>Registers the sampler behind the throughput page.</summary>
    public static IServiceCollection AddThroughputSampling(this IServiceCollection services)
    {
        services.AddOptions<ThroughputSamplingOptions>().BindConfiguration(ThroughputSamplingOptions.Section)
            .Validate(o => o.SampleInterval > TimeSpan.Zero && o.Capacity > 0, "Pipeline:Throughput needs a positive SampleInterval and Capacity.")
            .ValidateOnStart();
        services.AddSingleton<ThroughputSampler>();
        services.AddHostedService(sp => sp.GetRequiredService<ThroughputSampler>());
        return services;
    }
}
