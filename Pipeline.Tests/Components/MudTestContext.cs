using Bunit;
using MudBlazor.Services;

namespace Pipeline.Tests.Components;

/// <summary>bUnit context set up like MudBlazor's own tests: Mud services, loose JS interop, no transitions.</summary>
public abstract class MudTestContext : BunitContext, IAsyncLifetime
{
    protected MudTestContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices(o =>
        {
            o.SnackbarConfiguration.ShowTransitionDuration = 0;
            o.SnackbarConfiguration.HideTransitionDuration = 0;
        });
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    /// <summary>MudBlazor's services are async-disposable only; xUnit disposes through here first.</summary>
    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();
}
