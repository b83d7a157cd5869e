export * from './sniff';
export * from './decode';
export * from './derive';
