/** DI token for the validated SegmentsConfig. */
export const SEGMENTS_CONFIG = Symbol('SegmentsConfig');
