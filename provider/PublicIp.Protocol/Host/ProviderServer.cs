using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Grpc.AspNetCore.Server.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PublicIp.Protocol.Host;

/// <summary>
/// Runs a provider as a Pulumi plugin: gRPC on 127.0.0.1 (a free port), the port as the first stdout
/// line, logs on stderr, clean exit on SIGINT/SIGTERM with in-flight work cancelled.
/// </summary>
public static class ProviderServer
{
    private const int MaxMessageBytes = 400 * 1024 * 1024;

    public static Task<int> RunAsync(string[] args, Func<IProvider> createProvider) => RunAsync(args, _ => createProvider());

    /// <summary>Runs the provider <paramref name="createProvider"/> builds, given where to report credentials it obtains later.</summary>
    public static async Task<int> RunAsync(string[] args, Func<ISecretSink, IProvider> createProvider)
    {
        InterruptSignal.RestoreDefault();
        LaunchArguments launch;
        try
        {
            launch = LaunchArguments.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"pulumi-resource plugin: {e.Message}");
            return 2;
        }

        // Keep the engine's project directory (our cwd) out of it: no appsettings, no ASPNETCORE_ surprises.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(4));
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2);
        });

        using var engine = new EngineConnection();
        using var lifetime = new ProviderLifetime();
        var secrets = new ProviderSecrets();
        var provider = createProvider(secrets);
        secrets.Add(provider.SecretValues(Values.PropertyMap.Empty));
        builder.Services.AddSingleton(engine);
        builder.Services.AddSingleton(lifetime);
        builder.Services.AddSingleton(provider);
        builder.Services.AddSingleton(secrets);
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = MaxMessageBytes;
            o.MaxSendMessageSize = MaxMessageBytes;
            o.Interceptors.Add<BoundedErrorsInterceptor>();
        });
        // Our binding replaces the generated one so requests can be as deep as the engine sends them.
        builder.Services.RemoveAll(typeof(IServiceMethodProvider<>));
        builder.Services.AddSingleton<IServiceMethodProvider<ResourceProviderService>, DeepMessageMethodProvider>();

        if (EngineAddress.TryParse(launch.EngineAddress, out var engineUri, out _) && engineUri is not null)
        {
            engine.Attach(engineUri);
        }

        await using var app = builder.Build();
        app.MapGrpcService<ResourceProviderService>();
        app.Lifetime.ApplicationStopping.Register(lifetime.CancelAll);
        try
        {
            await app.StartAsync();
        }
        catch (OperationCanceledException) when (app.Lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // SIGINT or SIGTERM while Kestrel was still binding: the engine asked us to stop before we had a
            // port to print, so stopping now, without one, is the clean answer.
            return 0;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        // Write, not WriteLine: the engine wants "PORT\n" and WriteLine would add \r on Windows.
        await Console.Out.WriteAsync(port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        await Console.Out.FlushAsync();

        await app.WaitForShutdownAsync();
        return 0;
    }
}
