import { ConfigurableModuleBuilder } from '@nestjs/common';
import { SnorkyModuleOptions } from './snorky-options';

export const {
  ConfigurableModuleClass: SnorkyConfigurableModule,
  MODULE_OPTIONS_TOKEN: SNORKY_OPTIONS,
  OPTIONS_TYPE: SNORKY_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: SNORKY_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SnorkyModuleOptions>()
  .setClassMethodName('forRoot')
  // The backend path is a route, fixed when the module is declared, so forRootAsync takes it as an extra.
  // isGlobal: feature modules inject DataSyncPublisher, the broker… without importing SnorkyModule.
  .setExtras({ backendPath: undefined as string | undefined, isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
