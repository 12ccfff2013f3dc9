using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Domain;
using Pipeline.Core.Sources;
using Pipeline.Core.Stages;
using Pipeline.Web.Components.Shared;
using Pipeline.Runtime;

namespace Pipeline.Tests.Components;

public sealed class RunIngestionPanelTests : MudTestContext
{
    private sealed class RecordingCommands : IPipelineCommands
    {
        public List<StartIngestionRequest> Requests { get; } = [];
        public Func<StartIngestionRequest, StartIngestionResult>? Answer { get; set; }

        public Task<StartIngestionResult> StartIngestionAsync(StartIngestionRequest request, CancellationToken ct)
        {
            Requests.Add(request);
            return Task.FromResult(Answer!(request));
        }

        public Task<bool> CancelIngestionAsync(string runId, CancellationToken ct) => Task.FromResult(true);

        public Task<StartIngestionResult> RerunAsync(IngestionRun run, CancellationToken ct) => throw new NotSupportedException("the panel starts runs only");

        public Task<StartIngestionResult?> RetryAsync(IngestionRun run, CancellationToken ct) => throw new NotSupportedException("the panel starts runs only");

        public Task<StartIngestionResult> StartReplayAsync(StartReplayRequest request, CancellationToken ct) => throw new NotSupportedException("the panel starts runs only");

        public Task<WarehouseRefresh> StartRefreshAsync(string trigger, CancellationToken ct) =>
            Task.FromResult(new WarehouseRefresh { RefreshId = "wr-1", CreatedAt = DateTimeOffset.UnixEpoch });
    }

    private static IngestionRun Run(string id, RunStatus status) =>
        new() { RunId = id, Source = "synthetic", Status = status, CreatedAt = DateTimeOffset.UnixEpoch };

    private readonly RecordingCommands _commands = new();

    public RunIngestionPanelTests() => Services.AddSingleton<IPipelineCommands>(_commands);

    [Fact]
    public void Run_Ingestion_starts_a_synthetic_run_with_the_form_options_and_reports_the_run_id()
    {
        _commands.Answer = _ => new StartIngestionResult(Run("run-42", RunStatus.Queued), Created: true);
        string? started = null;
        var panel = Render<RunIngestionPanel>(p => p.Add(x => x.OnRunStarted, id => started = id));

        panel.Find("#run-ingestion").Click();

        var request = Assert.Single(_commands.Requests);
        Assert.Equal("synthetic", request.Source);
        Assert.Equal("1000", request.Options!["count"]);
        Assert.Equal("42", request.Options!["seed"]);
        Assert.Equal("dashboard", request.Trigger);
        Assert.Equal("run-42", started);
        Assert.Empty(panel.FindAll("#run-error"));
    }

    [Fact]
    public void An_invalid_option_is_shown_with_its_field()
    {
        _commands.Answer = _ => throw new InvalidOptionException("options.count", "'count' must be between 1 and 10000000.");
        var panel = Render<RunIngestionPanel>();

        panel.Find("#run-ingestion").Click();

        Assert.Contains("options.count: 'count' must be between 1 and 10000000.", panel.Find("#run-error").TextContent);
    }

    [Fact]
    public void An_already_active_run_is_reported_and_shown_instead_of_a_new_one()
    {
        _commands.Answer = _ => new StartIngestionResult(Run("run-active", RunStatus.Running), Created: false);
        string? started = null;
        var panel = Render<RunIngestionPanel>(p => p.Add(x => x.OnRunStarted, id => started = id));

        panel.Find("#run-ingestion").Click();

        Assert.Contains("already running (run-active)", panel.Find("#run-info").TextContent);
        Assert.Equal("run-active", started);
    }

    [Fact]
    public void The_synthetic_fields_are_offered_for_the_default_source()
    {
        var panel = Render<RunIngestionPanel>();

        Assert.NotNull(panel.Find("#synthetic-count"));
        Assert.NotNull(panel.Find("#synthetic-seed"));
        Assert.Equal("Run Ingestion", panel.Find("#run-ingestion").TextContent.Trim());
    }

    [Fact]
    public void Zero_products_is_refused_in_the_form_naming_the_field_and_nothing_starts()
    {
        _commands.Answer = _ => new StartIngestionResult(Run("run-1", RunStatus.Queued), Created: true);
        var panel = Render<RunIngestionPanel>();

        panel.Find("input#synthetic-count").Change("0");
        panel.Find("#run-ingestion").Click();

        Assert.Empty(_commands.Requests); // not silently run with 1
        Assert.Equal("Products must be between 1 and 10,000,000.", panel.Find("#run-error").TextContent.Trim());
        Assert.Contains("Products must be between 1 and 10,000,000.", panel.Find(".mud-input-helper-text").TextContent);
    }
}
