/** Injection token of the app's SnorkyBackend. */
export const SNORKY_BACKEND = Symbol('SNORKY_BACKEND');
