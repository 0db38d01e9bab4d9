/** DI token for the validated SegmentsConfig. */
export const SEGMENTS_CONFIG = Symbol('SegmentsConfig');

/** DI token for the AnalyticsSettings (ANALYTICS_*) rules on the model's figures are evaluated with. */
export const SEGMENTS_ANALYTICS_SETTINGS = Symbol('SegmentsAnalyticsSettings');
/** The RuleVocabulary (domain/segment-rule) a rule is checked against when it is defined or previewed. */
export const SEGMENT_RULE_VOCABULARY = Symbol('SegmentRuleVocabulary');
