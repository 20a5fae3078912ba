/** Flotilla's release version; a unit test keeps it equal to package.json's. */
export const FLOTILLA_VERSION = '0.1.0';
