using ServerlessPush.LocalHost;

var app = LocalGatewayHost.Build(args);
app.Run();
