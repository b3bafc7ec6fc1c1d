"""Request helpers shared by every app: typed htmx requests, client addresses, request ids,
the role names, and the middlewares that need no app. No models, no views: every layer may
import this one, and it imports no app."""
