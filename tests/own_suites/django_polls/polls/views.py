from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render

QUESTIONS = {1: "What's new?", 2: "Tabs or spaces?"}


def index(request):
    return render(request, "polls/index.html", {"questions": QUESTIONS})


def detail(request, pk):
    if pk not in QUESTIONS:
        raise Http404("no such question")
    return render(request, "polls/detail.html", {"pk": pk, "question": QUESTIONS[pk]})


def vote(request, pk):
    return redirect("polls:detail", pk=pk)


def results(request, pk):
    return JsonResponse({"question": QUESTIONS.get(pk), "votes": 0})
