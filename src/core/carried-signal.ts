// A signal a run starts with, recorded right after WorkflowExecutionStarted: carried over by continue-as-new, or
// sent with the start (signal-with-start).
export interface CarriedSignal {
  signalName: string;
  args: unknown[];
  requestId?: string;
}
