export { ProjectorRunner, type ProjectorRunnerOptions, type AppliedEventsListener } from './projector/projector-runner';
