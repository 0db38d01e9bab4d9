// DI tokens the platform provides, apart from the module so its own providers can import them.
export const CLOCK = Symbol('Clock');
