export { ProjectorRunner, type ProjectorRunnerOptions, type AppliedEventsListener } from './projector/projector-runner';
export { EmbeddedProjector, type EmbeddedProjectorOptions, type EmbeddedProjectorState } from './embedded/embedded-projector';
