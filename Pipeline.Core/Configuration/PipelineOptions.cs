using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Pipeline.Core.Configuration;

/// <summary>The <c>Pipeline</c> configuration section: where data lives and which adapter serves each port.</summary>
public sealed class PipelineOptions
{
    public const string Section = "Pipeline";

    /// <summary>The section as bound at composition time (before the options are validated), for choosing adapters.</summary>
    public static PipelineOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<PipelineOptions>() ?? new PipelineOptions();

    /// <summary><c>Pipeline:DataDirectory</c>: root of every embedded backend's files.</summary>
    [Required]
    public string DataDirectory { get; set; } = ".data";

    public StreamOptions Stream { get; set; } = new();
    public RawZoneOptions RawZone { get; set; } = new();
    public StoreOptions Store { get; set; } = new();
    public WarehouseOptions Warehouse { get; set; } = new();
}
