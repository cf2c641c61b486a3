export * from './enums';
export * from './reports';
export * from './sections';
export * from './items';
export * from './entities';
export * from './sources';
export * from './tags';
export * from './events';
